"""Rules that both ends apply, written once: who may take which step of a warning, who
writes what. Pure functions of records and of who acts; the store checks them before
saving (a refusal is immediate, in the person's language) and central checks them
again on push (no device can skip them). A refusal (``refusals.Refusal``) names its
rule, so both ends say the same thing."""
