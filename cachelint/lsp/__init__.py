"""The language server (`cachelint server`): findings of open documents as LSP diagnostics.

Imported only by `cachelint server`: pygls costs `cachelint check` nothing.
"""
