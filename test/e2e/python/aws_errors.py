"""Shared by the boto3 scripts: asserting on the error code an AWS call fails with."""
from botocore.exceptions import ClientError


def expect_error(code, fn, **kwargs):
    """boto3 reads a query-compatible service's code from x-amzn-query-error, as it does against AWS."""
    try:
        fn(**kwargs)
    except ClientError as err:
        got = err.response["Error"]["Code"]
        assert got == code, f"expected {code}, got {got}: {err.response}"
        return err
    raise AssertionError(f"expected {code}, call succeeded")
