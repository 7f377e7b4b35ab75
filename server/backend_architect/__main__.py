from .warm import main

raise SystemExit(main())
