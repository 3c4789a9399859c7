from toolproof.cli import main

raise SystemExit(main())
