"""Factory presets (versioned JSON files in this folder), loadable by name."""
