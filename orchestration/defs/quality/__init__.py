"""Great Expectations: the suites as asset checks of the marts they guard."""
