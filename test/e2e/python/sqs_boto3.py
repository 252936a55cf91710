"""SQS through boto3 against a Mailroom server (started with --time-scale 100 by the Node test).

usage: sqs_boto3.py ENDPOINT_URL
Prints one line per check and exits non-zero on the first failure (the Node test reads both).
"""
import json
import sys

import boto3
from botocore.exceptions import ClientError

endpoint = sys.argv[1]
sqs = boto3.client(
    "sqs",
    endpoint_url=endpoint,
    region_name="ap-southeast-2",
    aws_access_key_id="AKIDTEST",
    aws_secret_access_key="secret",
)


def expect_error(code, fn, **kwargs):
    """boto3 reads the query-compatible code from x-amzn-query-error, as it does against AWS."""
    try:
        fn(**kwargs)
    except ClientError as err:
        got = err.response["Error"]["Code"]
        assert got == code, f"expected {code}, got {got}: {err.response}"
        return err
    raise AssertionError(f"expected {code}, call succeeded")


url = sqs.create_queue(QueueName="py-jobs", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
assert url.endswith("/000000000000/py-jobs"), url
assert sqs.get_queue_url(QueueName="py-jobs")["QueueUrl"] == url
attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
assert attrs["QueueArn"] == "arn:aws:sqs:ap-southeast-2:000000000000:py-jobs", attrs
assert attrs["MessageRetentionPeriod"] == "345600", attrs
print("ok create_queue get_queue_url get_queue_attributes")

sent = sqs.send_message(
    QueueUrl=url,
    MessageBody="derp",
    MessageAttributes={"timestamp": {"DataType": "Number", "StringValue": "1493147359900"}},
)
assert sent["MD5OfMessageBody"] == "58fd9edd83341c29f1aebba81c31e257", sent
assert sent["MD5OfMessageAttributes"] == "235c5c510d26fb653d073faed50ae77c", sent
sqs.send_message(
    QueueUrl=url,
    MessageBody="bin",
    MessageAttributes={"raw": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"}},
)
print("ok send_message md5")

got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], AttributeNames=["All"])["Messages"]
assert [m["Body"] for m in got] == ["derp", "bin"], got
assert got[0]["MD5OfMessageAttributes"] == "235c5c510d26fb653d073faed50ae77c", got[0]
assert got[1]["MessageAttributes"]["raw"]["BinaryValue"] == b"\x00\x01\xff", got[1]
assert got[0]["Attributes"]["ApproximateReceiveCount"] == "1", got[0]
print("ok receive_message")

# 30 simulated seconds later (0.3 s real) the first is visible again; a 20 s long poll waits for it.
first_handle = got[0]["ReceiptHandle"]
sqs.delete_message(QueueUrl=url, ReceiptHandle=got[1]["ReceiptHandle"])
again = []
for _ in range(5):
    again = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20, AttributeNames=["ApproximateReceiveCount"]).get("Messages", [])
    if again:
        break
assert again and again[0]["MessageId"] == sent["MessageId"], again
assert again[0]["Attributes"]["ApproximateReceiveCount"] == "2", again
print("ok visibility_timeout redelivery")

expect_error("ReceiptHandleIsInvalid", sqs.delete_message, QueueUrl=url, ReceiptHandle=first_handle)
sqs.delete_message(QueueUrl=url, ReceiptHandle=again[0]["ReceiptHandle"])
print("ok stale_receipt_handle delete_message")

out = sqs.send_message_batch(
    QueueUrl=url,
    Entries=[{"Id": "a", "MessageBody": "one"}, {"Id": "b", "MessageBody": "two", "DelaySeconds": 901}],
)
assert [s["Id"] for s in out["Successful"]] == ["a"], out
assert out["Failed"][0]["Code"] == "InvalidParameterValue", out
print("ok send_message_batch")

sqs.purge_queue(QueueUrl=url)
assert "Messages" not in sqs.receive_message(QueueUrl=url)
expect_error("AWS.SimpleQueueService.PurgeQueueInProgress", sqs.purge_queue, QueueUrl=url)
print("ok purge_queue")

expect_error("InvalidAttributeValue", sqs.set_queue_attributes, QueueUrl=url, Attributes={"VisibilityTimeout": "43201"})
expect_error("QueueAlreadyExists", sqs.create_queue, QueueName="py-jobs", Attributes={"VisibilityTimeout": "31"})
expect_error("InvalidParameterValue", sqs.create_queue, QueueName="py.fifo")
big = sqs.create_queue(QueueName="py-small", Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
expect_error("InvalidParameterValue", sqs.send_message, QueueUrl=big, MessageBody="x" * 1025)
expect_error(
    "InvalidParameterValue",
    sqs.send_message,
    QueueUrl=url,
    MessageBody="x",
    MessageAttributes={"AWS.nope": {"DataType": "String", "StringValue": "v"}},
)
expect_error("InvalidParameterValue", sqs.change_message_visibility, QueueUrl=url, ReceiptHandle="x", VisibilityTimeout=43201)
print("ok bad_input")

dlq = sqs.create_queue(QueueName="py-dlq")["QueueUrl"]
src = sqs.create_queue(
    QueueName="py-src",
    Attributes={"VisibilityTimeout": "0", "RedrivePolicy": json.dumps({"deadLetterTargetArn": "arn:aws:sqs:ap-southeast-2:000000000000:py-dlq", "maxReceiveCount": 1})},
)["QueueUrl"]
sqs.send_message(QueueUrl=src, MessageBody="poison")
assert len(sqs.receive_message(QueueUrl=src)["Messages"]) == 1
assert "Messages" not in sqs.receive_message(QueueUrl=src), "the second receive moves it"
dead = sqs.receive_message(QueueUrl=dlq)["Messages"]
assert dead[0]["Body"] == "poison", dead
assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [src]
print("ok redrive")

sqs.tag_queue(QueueUrl=url, Tags={"team": "py"})
assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "py"}
sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
assert "Tags" not in sqs.list_queue_tags(QueueUrl=url)
print("ok tags")

sqs.delete_queue(QueueUrl=url)
err = expect_error("AWS.SimpleQueueService.NonExistentQueue", sqs.receive_message, QueueUrl=url)
assert isinstance(err, sqs.exceptions.QueueDoesNotExist), type(err)
print("ok cleanup")
