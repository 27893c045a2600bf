"""Rule sets a simulated marketplace may award badges by (knob ``world_rules``), beside
the engine's bundled ones: rules an analyst does not know, to test a rules reading."""
