from netlearn.cli import main

main()
