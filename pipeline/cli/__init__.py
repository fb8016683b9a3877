"""The command line around the commands: composing it ahead of Hydra (one-line mistakes), the fast
`--help`, and quoting what the project prints so it can be pasted back into a shell."""
