"""SNS through boto3 against a Mailroom server (started by the Node test).

usage: sns_boto3.py ENDPOINT_URL
An HTTP subscriber runs in a thread of this script: it records what SNS posts and visits the SubscribeURL of the
confirmation, as a real subscriber would. Prints one line per check and exits non-zero on the first failure.
"""
import json
import queue
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import boto3
from botocore.exceptions import ClientError

endpoint = sys.argv[1]
region = "us-west-2"
kwargs = dict(endpoint_url=endpoint, region_name=region, aws_access_key_id="AKIDTEST", aws_secret_access_key="secret")
sns = boto3.client("sns", **kwargs)
sqs = boto3.client("sqs", **kwargs)
received = queue.Queue()


class Subscriber(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8")
        received.put((dict(self.headers), json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Subscriber)
threading.Thread(target=server.serve_forever, daemon=True).start()
hook = f"http://127.0.0.1:{server.server_address[1]}/hook"


def expect_error(code, fn, **kw):
    try:
        fn(**kw)
    except ClientError as err:
        got = err.response["Error"]["Code"]
        assert got == code, f"expected {code}, got {got}: {err.response}"
        return err
    raise AssertionError(f"expected {code}, call succeeded")


topic = sns.create_topic(Name="py-alerts", Attributes={"DisplayName": "Alerts"}, Tags=[{"Key": "team", "Value": "ops"}])["TopicArn"]
assert topic == f"arn:aws:sns:{region}:000000000000:py-alerts", topic
assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "Alerts"
assert topic in [t["TopicArn"] for t in sns.list_topics()["Topics"]]
print("ok create_topic get_topic_attributes list_topics")

assert sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=hook)["SubscriptionArn"] == "pending confirmation"
headers, doc = received.get(timeout=10)
assert headers["x-amz-sns-message-type"] == "SubscriptionConfirmation", headers
with urllib.request.urlopen(doc["SubscribeURL"]) as answer:
    assert answer.status == 200
confirmed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"][0]["SubscriptionArn"]
assert confirmed.startswith(topic + ":"), confirmed
print("ok subscribe confirm")

message_id = sns.publish(TopicArn=topic, Message="hello from python", Subject="Hi", MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})["MessageId"]
headers, doc = received.get(timeout=10)
assert doc["MessageId"] == message_id and doc["Message"] == "hello from python" and doc["Subject"] == "Hi", doc
assert headers["x-amz-sns-subscription-arn"] == confirmed, headers
assert doc["MessageAttributes"] == {"k": {"Type": "String", "Value": "v"}}, doc
print("ok publish http")

queue_url = sqs.create_queue(QueueName="py-inbox")["QueueUrl"]
queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})["SubscriptionArn"]
assert sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["RawMessageDelivery"] == "true"
result = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[{"Id": "one", "Message": "first"}, {"Id": "two", "Message": "second"}])
assert [e["Id"] for e in result["Successful"]] == ["one", "two"], result
bodies = []
for _ in range(20):
    for m in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
        bodies.append(m["Body"])
    if len(bodies) >= 2:
        break
assert sorted(bodies) == ["first", "second"], bodies
print("ok publish_batch sqs raw")

expect_error("NotFound", sns.publish, TopicArn=f"arn:aws:sns:{region}:000000000000:missing", Message="x")
expect_error("InvalidParameter", sns.subscribe, TopicArn=topic, Protocol="carrier-pigeon", Endpoint="x")
expect_error("InvalidParameter", sns.publish, TopicArn=topic, Message="x" * 262145)
expect_error("TooManyEntriesInBatchRequest", sns.publish_batch, TopicArn=topic, PublishBatchRequestEntries=[{"Id": f"e{i}", "Message": "x"} for i in range(11)])
expect_error("ParameterValueInvalid", sns.publish, TopicArn=topic, Message="x", MessageAttributes={"n": {"DataType": "Number", "StringValue": "ten"}})
print("ok bad_input")

sns.unsubscribe(SubscriptionArn=sub)
sns.delete_topic(TopicArn=topic)
assert topic not in [t["TopicArn"] for t in sns.list_topics()["Topics"]]
server.shutdown()
print("ok cleanup")
