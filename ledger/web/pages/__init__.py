"""Page controllers, one module (or package) per kind of user; ``ledger.web.routes`` lists them all."""
