"""flask CLI: `flask --app wsgi seed | cleanup | jobs | seeding | gateway | mail | reports | notifications | export`;
commands.py registers them all."""
