"""What every business area uses and that imports no area (the ledger of applied events so far;
money, errors, clock and the store port move here as the areas take shape)."""
