"""Storage: the tables, the async engine, the queries and the migrations. All SQL lives here."""
