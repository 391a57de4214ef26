"""The convention layer, below every area: where each rule of the convention is
written once, and where the facts the rules need are read.

Pure rules (no Flask, no database; tested in ``tests/unit``):

- :mod:`gic.convention.constants`: default terms, plausible years, alert levels;
- :mod:`gic.convention.rules`: the per-intervention model (SPEC §3–4: R1–R9);
- :mod:`gic.convention.rules_ordered`: the ordered-hours model (issue 16);
- :mod:`gic.convention.weights`: the weighted vote of the ordered-hours model.

Reading the facts (grouped SQL over the models, never an area's services):

- :mod:`gic.convention.history`: a groupement's convention versions, read once per
  transaction, and its pure :meth:`~gic.convention.history.History.terms_on`;
- :mod:`gic.convention.years`: the closed years and the R9 check;
- :mod:`gic.convention.ledger`: the session ledger (the billable rule in SQL, cap
  use, what an intervention bills);
- :mod:`gic.convention.cap`: where an intervention stands against cap and threshold;
- :mod:`gic.convention.members`: an establishment takes part only as a member.

The areas (interventions, billing, registers, governance…) import this package;
it imports only the models (``gic.models`` and the areas' ``models`` modules).
"""
