from psos_xl.entry import main

main()
