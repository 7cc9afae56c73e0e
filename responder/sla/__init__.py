"""The response timer: pure time math and the sweeper that fires each stage once."""
