"""The team's best replies: replies agents wrote or edited that worked, kept as patterns
with the mention's own facts as slots, proposed as one of the three drafts for a similar
mention of the same intent (docs/drafts/library.md)."""
