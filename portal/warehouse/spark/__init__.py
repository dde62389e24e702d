"""The Spark Connect engine (issue #16, in progress): a local cluster for tests and demos, the demo
warehouse loaded into it as Parquet tables, and the checks an analyst's Spark SQL must pass."""
