"""Read-only analyses over the store, for the screens and the reports: each reads only
the columns it needs in SQL and hands the records to a pure rule of ``models`` (the
district's figures: ``figures``; the duty score table: ``duty_scores``). Nothing here
writes; headless, like the store."""
