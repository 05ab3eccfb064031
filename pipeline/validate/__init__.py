"""Output validators: real tools judge the published files (`make check`)."""
