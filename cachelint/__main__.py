from cachelint.replay import main

main()
