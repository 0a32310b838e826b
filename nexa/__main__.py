from nexa.cli import main

main()
