"""EventBridge control plane and PutEvents through boto3 against a Mailroom server.

usage: eventbridge_boto3.py ENDPOINT_URL
Prints one line per check and exits non-zero on the first failure (the Node test reads both).
"""
import json
import sys

import boto3
from botocore.exceptions import ClientError

endpoint = sys.argv[1]
client = boto3.client(
    "events",
    endpoint_url=endpoint,
    region_name="ap-southeast-2",
    aws_access_key_id="AKIDTEST",
    aws_secret_access_key="secret",
)


def expect_error(code, fn, **kwargs):
    try:
        fn(**kwargs)
    except ClientError as err:
        got = err.response["Error"]["Code"]
        assert got == code, f"expected {code}, got {got}: {err}"
        return err.response["Error"]["Message"]
    raise AssertionError(f"expected {code}, call succeeded")


arn = client.create_event_bus(Name="py-bus")["EventBusArn"]
assert arn == "arn:aws:events:ap-southeast-2:000000000000:event-bus/py-bus", arn
print("ok create_event_bus")

names = [b["Name"] for b in client.list_event_buses()["EventBuses"]]
assert "default" in names and "py-bus" in names, names
print("ok list_event_buses")

pattern = json.dumps({"source": ["py"], "detail": {"amount": [{"numeric": [">=", 100]}]}})
rule_arn = client.put_rule(Name="big", EventBusName="py-bus", EventPattern=pattern)["RuleArn"]
assert rule_arn.endswith(":rule/py-bus/big"), rule_arn
assert client.describe_rule(Name="big", EventBusName="py-bus")["EventPattern"] == pattern
print("ok put_rule describe_rule")

out = client.put_targets(
    Rule="big",
    EventBusName="py-bus",
    Targets=[
        {
            "Id": "queue",
            "Arn": "arn:aws:sqs:ap-southeast-2:000000000000:big-orders",
            "RetryPolicy": {"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 600},
            "InputTransformer": {"InputPathsMap": {"amt": "$.detail.amount"}, "InputTemplate": '{"amount": <amt>}'},
        }
    ],
)
assert out["FailedEntryCount"] == 0, out
targets = client.list_targets_by_rule(Rule="big", EventBusName="py-bus")["Targets"]
assert targets[0]["InputTransformer"]["InputTemplate"] == '{"amount": <amt>}', targets
print("ok put_targets list_targets_by_rule")

message = expect_error(
    "ValidationException",
    client.put_targets,
    Rule="big",
    EventBusName="py-bus",
    Targets=[{"Id": "x", "Arn": "arn:aws:sqs:ap-southeast-2:000000000000:q", "RetryPolicy": {"MaximumRetryAttempts": 999}}],
)
assert "maximumRetryAttempts" in message, message
expect_error("InvalidEventPatternException", client.put_rule, Name="bad", EventPattern='{"detail": {"x": [{"numeric": [">"]}]}}')
expect_error("ResourceNotFoundException", client.describe_rule, Name="ghost", EventBusName="py-bus")
print("ok errors")

res = client.put_events(
    Entries=[
        {"EventBusName": "py-bus", "Source": "py", "DetailType": "Order", "Detail": json.dumps({"amount": 150})},
        {"EventBusName": "py-bus", "Source": "py", "DetailType": "Order", "Detail": "not json"},
    ]
)
assert res["FailedEntryCount"] == 1, res
assert len(res["Entries"][0]["EventId"]) == 36
assert res["Entries"][1]["ErrorCode"] == "MalformedDetail", res
print("ok put_events " + res["Entries"][0]["EventId"])

event = json.dumps({"id": "1", "account": "000000000000", "source": "py", "time": "2026-01-01T00:00:00Z", "region": "ap-southeast-2", "resources": [], "detail-type": "Order", "detail": {"amount": 150}})
assert client.test_event_pattern(EventPattern=pattern, Event=event)["Result"] is True
print("ok test_event_pattern")

client.remove_targets(Rule="big", EventBusName="py-bus", Ids=["queue"])
client.delete_rule(Name="big", EventBusName="py-bus")
client.delete_event_bus(Name="py-bus")
print("ok cleanup")
