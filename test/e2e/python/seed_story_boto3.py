"""The seed story through boto3 (events + sqs clients) against a Mailroom server at --time-scale.

usage: seed_story_boto3.py ENDPOINT_URL API_URL

API_URL is the local "third-party API" the Node test serves: it answers each event as its detail's behaviour asks
(down: 500, reject: 400, flaky: 503 twice then 200, ok: 200) and counts the calls. This script sets up a custom
bus, a rule, a connection and an API destination with RetryPolicy {MaximumRetryAttempts: 3} and an SQS DLQ, sends
one event of each behaviour, and checks the two dead letters and their attributes. It then prints
"ok dead_letters", waits for a line on stdin (the Node test sends it once the flaky and good orders have been
answered 200) and checks that no other dead letter arrived.
Prints one line per check and exits non-zero on the first failure (the Node test reads both).
"""
import json
import sys

import boto3

endpoint, api_url = sys.argv[1], sys.argv[2]
common = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="AKIDTEST", aws_secret_access_key="secret")
events = boto3.client("events", **common)
sqs = boto3.client("sqs", **common)

queue_url = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
assert queue_arn == "arn:aws:sqs:us-east-1:000000000000:orders-dlq", queue_arn

events.create_event_bus(Name="orders")
connection_arn = events.create_connection(
    Name="orders-conn",
    AuthorizationType="API_KEY",
    AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "k"}},
)["ConnectionArn"]
target_arn = events.create_api_destination(
    Name="orders-api", ConnectionArn=connection_arn, InvocationEndpoint=api_url + "/register", HttpMethod="POST"
)["ApiDestinationArn"]
rule_arn = events.put_rule(Name="item-sold", EventBusName="orders", EventPattern=json.dumps({"detail-type": ["Item Sold"]}))["RuleArn"]
assert rule_arn == "arn:aws:events:us-east-1:000000000000:rule/orders/item-sold", rule_arn
out = events.put_targets(
    Rule="item-sold",
    EventBusName="orders",
    Targets=[
        {
            "Id": "third-party",
            "Arn": target_arn,
            "InputPath": "$.detail",
            "RetryPolicy": {"MaximumRetryAttempts": 3},
            "DeadLetterConfig": {"Arn": queue_arn},
        }
    ],
)
assert out["FailedEntryCount"] == 0, out
print("ok setup", flush=True)

event_ids = {}
for order, behaviour in [("down-1", "down"), ("reject-1", "reject"), ("flaky-1", "flaky"), ("ok-1", "ok")]:
    res = events.put_events(
        Entries=[{"EventBusName": "orders", "Source": "shop", "DetailType": "Item Sold", "Detail": json.dumps({"order": order, "behaviour": behaviour})}]
    )
    assert res["FailedEntryCount"] == 0, res
    event_ids[order] = res["Entries"][0]["EventId"]
print("ok put_events", flush=True)


def receive(wait_seconds):
    """One long poll; every message received is deleted."""
    got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds, MessageAttributeNames=["All"]).get("Messages", [])
    for m in got:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
    return got


letters = []
for _ in range(20):
    if len(letters) >= 2:
        break
    letters += receive(20)
by_order = {json.loads(m["Body"])["detail"]["order"]: m for m in letters}
assert sorted(by_order) == ["down-1", "reject-1"], sorted(by_order)
assert len(letters) == 2, [m["Body"] for m in letters]


def attrs(m):
    a = m["MessageAttributes"]
    for value in a.values():
        assert value["DataType"] == "String", a
    return {k: v["StringValue"] for k, v in a.items()}


down = attrs(by_order["down-1"])
body = json.loads(by_order["down-1"]["Body"])
assert body["id"] == event_ids["down-1"] and body["source"] == "shop" and body["detail-type"] == "Item Sold", body
assert down["RULE_ARN"] == rule_arn, down
assert down["TARGET_ARN"] == target_arn, down
assert down["ERROR_CODE"] == "ERROR_FROM_TARGET", down
assert "500" in down["ERROR_MESSAGE"], down
assert "x-api-key" not in down["ERROR_MESSAGE"], down
assert down["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts", down
assert down["RETRY_ATTEMPTS"] == "3", down
print("ok dead_letter down", flush=True)

reject = attrs(by_order["reject-1"])
assert json.loads(by_order["reject-1"]["Body"])["id"] == event_ids["reject-1"]
assert reject["RULE_ARN"] == rule_arn and reject["TARGET_ARN"] == target_arn, reject
assert reject["ERROR_CODE"] == "ERROR_FROM_TARGET", reject
assert "400" in reject["ERROR_MESSAGE"], reject
assert reject["RETRY_ATTEMPTS"] == "0", reject
assert "EXHAUSTED_RETRY_CONDITION" not in reject, reject
print("ok dead_letter reject", flush=True)
print("ok dead_letters", flush=True)

# The Node test answers once the flaky order's third call and the good order's call were answered 200.
assert sys.stdin.readline().strip() == "go"
late = receive(1)
assert late == [], [m["Body"] for m in late]
attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
assert attributes == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}, attributes
print("ok no_more_dead_letters", flush=True)
