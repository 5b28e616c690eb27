from cachelint.cli import cachelint_command

cachelint_command()
