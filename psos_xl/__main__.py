from psos_xl.cli import main

main()
