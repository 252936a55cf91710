"""CloudWatch through boto3 against a Mailroom server (started with --time-scale 600 by the Node test).

usage: cloudwatch_boto3.py ENDPOINT_URL default|cbor
CloudWatch's model offers smithy-rpc-v2-cbor, json and query; botocore 1.43 ranks json first, so boto3 sends
awsJson 1.0 by default. `cbor` moves rpc-v2-cbor to the front of botocore's ranking (as botocore versions that
prefer it do), so botocore's own CBOR serializer and parser are exercised too. The script checks which protocol
went out, then metrics, alarms, SetAlarmState, history and bad input with CloudWatch's query-compatible error
codes. Prints one line per check and exits non-zero on the first failure (the Node test reads both).
"""
import datetime
import json
import sys
import urllib.request

import boto3
import botocore.model

from aws_errors import expect_error

endpoint, mode = sys.argv[1], sys.argv[2]
if mode == "cbor":
    botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS = ("smithy-rpc-v2-cbor",) + tuple(
        p for p in botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS if p != "smithy-rpc-v2-cbor"
    )
session = boto3.session.Session(aws_access_key_id="AKIDTEST", aws_secret_access_key="secret", region_name="eu-west-1")
cw = session.client("cloudwatch", endpoint_url=endpoint)
sqs = session.client("sqs", endpoint_url=endpoint)

sent = []
cw.meta.events.register("before-send.cloudwatch", lambda request, **_: sent.append(request))

NS = f"Py{mode}"
ALARM = f"py-latency-{mode}"


def server_now():
    """The server's clock, which runs 600 times faster than this one."""
    now = json.loads(urllib.request.urlopen(endpoint + "/_mailroom/clock").read())["now"]
    return datetime.datetime.fromisoformat(now.replace("Z", "+00:00"))


tick_queue = sqs.create_queue(QueueName=f"py-tick-{mode}")["QueueUrl"]


def tick():
    """About 20 simulated seconds: an empty long poll."""
    sqs.receive_message(QueueUrl=tick_queue, WaitTimeSeconds=20)


cw.put_metric_data(
    Namespace=NS,
    MetricData=[
        {"MetricName": "Latency", "Values": [10.0, 20.0, 30.0], "Counts": [1, 1, 2], "Unit": "Milliseconds", "Dimensions": [{"Name": "Api", "Value": "orders"}]},
        {"MetricName": "Latency", "StatisticValues": {"SampleCount": 2, "Sum": 80, "Minimum": 40, "Maximum": 40}, "Unit": "Milliseconds", "Dimensions": [{"Name": "Api", "Value": "orders"}]},
    ],
)
request = sent[-1]
if mode == "cbor":
    assert request.url.endswith("/service/GraniteServiceVersion20100801/operation/PutMetricData"), request.url
    assert request.headers["Smithy-Protocol"] == b"rpc-v2-cbor", request.headers
    print("ok protocol rpc-v2-cbor")
else:
    assert request.headers["X-Amz-Target"] == b"GraniteServiceVersion20100801.PutMetricData", request.headers
    assert request.headers["Content-Type"] == b"application/x-amz-json-1.0", request.headers
    print("ok protocol json")

now = server_now()
window = dict(StartTime=now - datetime.timedelta(hours=1), EndTime=now + datetime.timedelta(minutes=1), Period=3600)
dims = [{"Name": "Api", "Value": "orders"}]
stats = cw.get_metric_statistics(Namespace=NS, MetricName="Latency", Dimensions=dims, Statistics=["Sum", "SampleCount", "Maximum"], **window)
points = stats["Datapoints"]
assert sum(p["Sum"] for p in points) == 170, points
assert sum(p["SampleCount"] for p in points) == 6, points
assert all(isinstance(p["Timestamp"], datetime.datetime) and p["Unit"] == "Milliseconds" for p in points), points
pct = cw.get_metric_statistics(Namespace=NS, MetricName="Latency", Dimensions=dims, ExtendedStatistics=["p50", "p100"], **window)["Datapoints"]
assert pct and pct[0]["ExtendedStatistics"] == {"p50": 30.0, "p100": 40.0}, pct
print("ok put_metric_data get_metric_statistics percentiles")

data = cw.get_metric_data(
    StartTime=window["StartTime"],
    EndTime=window["EndTime"],
    MetricDataQueries=[{"Id": "lat", "MetricStat": {"Metric": {"Namespace": NS, "MetricName": "Latency", "Dimensions": dims}, "Period": 3600, "Stat": "Average"}}],
)
[result] = data["MetricDataResults"]
assert result["Id"] == "lat" and result["Label"] == "Latency" and result["StatusCode"] == "Complete", result
assert sum(result["Values"]) > 0, result
metrics = cw.list_metrics(Namespace=NS)["Metrics"]
assert metrics == [{"Namespace": NS, "MetricName": "Latency", "Dimensions": dims}], metrics
print("ok get_metric_data list_metrics")

cw.put_metric_alarm(
    AlarmName=ALARM,
    AlarmDescription="Latency too high",
    Namespace=NS,
    MetricName="Latency",
    Dimensions=dims,
    ExtendedStatistic="p90",
    Period=60,
    EvaluationPeriods=2,
    DatapointsToAlarm=1,
    Threshold=35.0,
    ComparisonOperator="GreaterThanThreshold",
    # Breaching, so the alarm stays in ALARM once the datapoint has left its range (no race with SetAlarmState below).
    TreatMissingData="breaching",
    AlarmActions=["arn:aws:sns:eu-west-1:000000000000:py-alerts"],
)
[alarm] = cw.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"]
assert alarm["AlarmArn"] == "arn:aws:cloudwatch:eu-west-1:000000000000:alarm:" + ALARM, alarm
assert alarm["ExtendedStatistic"] == "p90" and alarm["DatapointsToAlarm"] == 1 and alarm["Threshold"] == 35.0, alarm
assert isinstance(alarm["StateUpdatedTimestamp"], datetime.datetime), alarm
for _ in range(100):
    state = cw.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]["StateValue"]
    # The action's outcome is recorded just after the state change.
    if state == "ALARM" and cw.describe_alarm_history(AlarmName=ALARM, HistoryItemType="Action")["AlarmHistoryItems"]:
        break
    tick()
else:
    raise AssertionError("py-latency never went to ALARM")
for_metric = cw.describe_alarms_for_metric(Namespace=NS, MetricName="Latency", Dimensions=dims)["MetricAlarms"]
assert [a["AlarmName"] for a in for_metric] == [ALARM], for_metric
print("ok put_metric_alarm describe_alarms evaluation describe_alarms_for_metric")

cw.disable_alarm_actions(AlarmNames=[ALARM])
cw.set_alarm_state(AlarmName=ALARM, StateValue="OK", StateReason="maintenance", StateReasonData='{"ticket":"OPS-1"}')
[alarm] = cw.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"]
assert not alarm["ActionsEnabled"], alarm
# The next evaluation (a tenth of a second away at 600x) may already have put it back in ALARM: read the history.
history = cw.describe_alarm_history(AlarmName=ALARM, HistoryItemType="StateUpdate")["AlarmHistoryItems"]
manual = [h for h in history if json.loads(h["HistoryData"])["newState"]["stateReason"] == "maintenance"]
assert [h["HistorySummary"] for h in manual] == ["Alarm updated from ALARM to OK"], history
assert json.loads(manual[0]["HistoryData"])["newState"]["stateReasonData"] == {"ticket": "OPS-1"}, manual
actions = cw.describe_alarm_history(AlarmName=ALARM, HistoryItemType="Action")["AlarmHistoryItems"]
assert actions and actions[0]["HistorySummary"].startswith("Failed to execute action arn:aws:sns:eu-west-1:000000000000:py-alerts"), actions
print("ok set_alarm_state disable_alarm_actions describe_alarm_history")

expect_error("InvalidParameterValue", cw.put_metric_data, Namespace="AWS/" + NS, MetricData=[{"MetricName": "x", "Value": 1}])
# botocore checks required members itself, so MissingParameter is exercised by the Node SDK test.
expect_error("InvalidParameterCombination", cw.get_metric_statistics, Namespace=NS, MetricName="Latency", Statistics=["Sum"], ExtendedStatistics=["p99"], **window)
expect_error("ValidationError", cw.put_metric_alarm, AlarmName="bad", Namespace=NS, MetricName="Latency", Statistic="Sum", Period=60, EvaluationPeriods=1, DatapointsToAlarm=3, Threshold=1.0, ComparisonOperator="GreaterThanThreshold")
expect_error("ValidationError", cw.put_metric_alarm, AlarmName="bad", Namespace=NS, MetricName="Latency", Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanThreshold", AlarmActions=["arn:aws:sns:us-east-1:000000000000:elsewhere"])
expect_error("ResourceNotFound", cw.set_alarm_state, AlarmName="nope", StateValue="OK", StateReason="x")
expect_error("InvalidFormat", cw.set_alarm_state, AlarmName=ALARM, StateValue="OK", StateReason="x", StateReasonData="not json")
expect_error("InvalidNextToken", cw.describe_alarm_history, NextToken="forged")
cw.delete_alarms(AlarmNames=[ALARM])
assert cw.describe_alarms()["MetricAlarms"] == []
print("ok bad_input delete_alarms")
