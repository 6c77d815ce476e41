"""The engines: pure computation on numbers, sequences and molecules; nothing of the platform."""
