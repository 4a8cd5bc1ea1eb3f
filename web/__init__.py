"""HTTP for people and programs, the composition root (`create_app`) and the `thc-node` CLI."""
