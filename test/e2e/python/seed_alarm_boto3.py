"""The seed's alarm through boto3 (sns, sqs, cloudwatch) against a Mailroom server at --time-scale (started by the
Node test with the secure defaults on).

usage: seed_alarm_boto3.py ENDPOINT_URL

An HTTP subscriber runs in a thread of this script and confirms its subscription by visiting the SubscribeURL, as
a real one does. The script makes a KMS-encrypted topic, an encrypted dead-letter queue that a source queue's
RedrivePolicy names (Mailroom's default depth alarm appears for it), and the seed's alarm exactly as its CDK makes
it, with the topic as alarm and OK action. A message received once too often moves to the dead-letter queue; the
subscriber gets the ALARM notification in CloudWatch's shape; the queue is drained; the alarm returns to OK and
the OK action fires. Prints one line per check and exits non-zero on the first failure.
"""
import json
import queue
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import boto3

endpoint = sys.argv[1]
region = "us-east-1"
kwargs = dict(endpoint_url=endpoint, region_name=region, aws_access_key_id="AKIDTEST", aws_secret_access_key="secret")
sns = boto3.client("sns", **kwargs)
sqs = boto3.client("sqs", **kwargs)
cw = boto3.client("cloudwatch", **kwargs)
notifications = queue.Queue()
confirmed = threading.Event()
ALARM = "PyEventHandlerDLQAlarm"


class Subscriber(BaseHTTPRequestHandler):
    def do_POST(self):
        doc = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8"))
        self.send_response(200)
        self.end_headers()
        if doc["Type"] == "SubscriptionConfirmation":
            with urllib.request.urlopen(doc["SubscribeURL"]) as answer:
                assert answer.status == 200
            confirmed.set()
        else:
            notifications.put((dict(self.headers), doc))

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Subscriber)
threading.Thread(target=server.serve_forever, daemon=True).start()


def next_alarm(old, new):
    """The next notification, which must be the alarm going from `old` to `new`."""
    headers, doc = notifications.get(timeout=60)
    message = json.loads(doc["Message"])
    assert (message["AlarmName"], message["OldStateValue"], message["NewStateValue"]) == (ALARM, old, new), message
    return headers, doc, message


topic = sns.create_topic(Name="py-alarm-topic", Attributes={"DisplayName": "alarmTopic", "KmsMasterKeyId": "alias/aws/sns"})["TopicArn"]
assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["KmsMasterKeyId"] == "alias/aws/sns"
assert sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=f"http://127.0.0.1:{server.server_address[1]}/alarms")["SubscriptionArn"] == "pending confirmation"
assert confirmed.wait(30), "the subscriber never got its SubscriptionConfirmation"
[sub] = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
assert sub["SubscriptionArn"].startswith(topic + ":"), sub
print("ok topic subscribe confirm", flush=True)

dlq_url = sqs.create_queue(QueueName="py-dlq", Attributes={"KmsMasterKeyId": "alias/aws/sqs", "MessageRetentionPeriod": "1209600"})["QueueUrl"]
dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
source_url = sqs.create_queue(QueueName="py-source", Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})})["QueueUrl"]
[default] = cw.describe_alarms(AlarmNames=["mailroom-dlq-depth-py-dlq"])["MetricAlarms"]
assert default["AlarmActions"] == [f"arn:aws:sns:{region}:000000000000:mailroom-alerts"], default
assert (default["MetricName"], default["Statistic"], default["Period"], default["Threshold"]) == ("ApproximateNumberOfMessagesVisible", "Maximum", 300, 1.0), default
print("ok default_alarm", flush=True)

cw.put_metric_alarm(
    AlarmName=ALARM,
    AlarmDescription="Queue depth alarm for DLQ.",
    Namespace="AWS/SQS",
    MetricName="ApproximateNumberOfMessagesVisible",
    Dimensions=[{"Name": "QueueName", "Value": "py-dlq"}],
    Statistic="Maximum",
    Period=300,
    EvaluationPeriods=1,
    DatapointsToAlarm=1,
    ComparisonOperator="GreaterThanOrEqualToThreshold",
    Threshold=1.0,
    ActionsEnabled=True,
    TreatMissingData="notBreaching",
    AlarmActions=[topic],
    OKActions=[topic],
)
next_alarm("INSUFFICIENT_DATA", "OK")
print("ok put_metric_alarm ok_action", flush=True)

# Received once (maxReceiveCount 1) and given back at once: the next receive moves it to the dead-letter queue.
sqs.send_message(QueueUrl=source_url, MessageBody=json.dumps({"customer": "c-1"}))
for _ in range(100):
    sqs.receive_message(QueueUrl=source_url, VisibilityTimeout=0, WaitTimeSeconds=1)
    if sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"] == "1":
        break
else:
    raise AssertionError("the message never moved to the dead-letter queue")
print("ok dead_letter", flush=True)

headers, doc, message = next_alarm("OK", "ALARM")
assert headers["x-amz-sns-message-type"] == "Notification" and headers["x-amz-sns-topic-arn"] == topic, headers
assert doc["Subject"] == f'ALARM: "{ALARM}" in US East (N. Virginia)', doc
assert list(message) == [
    "AlarmName", "AlarmDescription", "AWSAccountId", "AlarmConfigurationUpdatedTimestamp", "NewStateValue", "NewStateReason", "StateChangeTime",
    "Region", "AlarmArn", "OldStateValue", "OKActions", "AlarmActions", "InsufficientDataActions", "Trigger",
], list(message)
assert message["AlarmDescription"] == "Queue depth alarm for DLQ." and message["Region"] == "US East (N. Virginia)", message
assert message["NewStateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints [1.0 ("), message
assert message["AlarmActions"] == [topic] and message["OKActions"] == [topic], message
trigger = message["Trigger"]
assert trigger["Statistic"] == "MAXIMUM" and trigger["StatisticType"] == "Statistic" and trigger["Unit"] is None, trigger
assert trigger["Dimensions"] == [{"value": "py-dlq", "name": "QueueName"}], trigger
assert (trigger["Period"], trigger["EvaluationPeriods"], trigger["DatapointsToAlarm"], trigger["Threshold"]) == (300, 1, 1, 1.0), trigger
assert trigger["TreatMissingData"] == "notBreaching", trigger
print("ok alarm_notification", flush=True)

drained = 0
for _ in range(100):
    for m in sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
        sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=m["ReceiptHandle"])
        drained += 1
    if drained:
        break
assert drained == 1, drained
next_alarm("ALARM", "OK")
history = cw.describe_alarm_history(AlarmName=ALARM, HistoryItemType="Action")["AlarmHistoryItems"]
assert [h["HistorySummary"] for h in history] == [f"Successfully executed action {topic}"] * 3, history
print("ok drained ok_action", flush=True)
server.shutdown()
