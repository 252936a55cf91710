"""CloudWatch through boto3 against a Mailroom server (started with --time-scale 600 by the Node test).

usage: cloudwatch_boto3.py ENDPOINT_URL default|cbor|query
CloudWatch's model offers smithy-rpc-v2-cbor, json and query; botocore 1.43 ranks json first, so boto3 sends
awsJson 1.0 by default. `cbor` moves rpc-v2-cbor to the front of botocore's ranking (as botocore versions that
prefer it do), and `query` moves the query protocol there (form posts answered in XML, as older botocore sent),
so botocore's own CBOR and query serializers and parsers are exercised too. The script checks which protocol
went out, then metrics (values, statistic sets, timestamps, dimensions), alarms, SetAlarmState, history and bad
input with CloudWatch's query error codes. Prints one line per check and exits non-zero on the first failure (the
Node test reads both).
"""
import datetime
import json
import sys
import urllib.parse
import urllib.request

import boto3
import botocore.model

from botocore.config import Config

from aws_errors import expect_error

endpoint, mode = sys.argv[1], sys.argv[2]
first = {"cbor": "smithy-rpc-v2-cbor", "query": "query"}.get(mode)
if first:
    botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS = (first,) + tuple(p for p in botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS if p != first)
session = boto3.session.Session(aws_access_key_id="AKIDTEST", aws_secret_access_key="secret", region_name="eu-west-1")
cw = session.client("cloudwatch", endpoint_url=endpoint)
# Without botocore's own check of required members, so the server's MissingParameter is what the caller sees.
unchecked = session.client("cloudwatch", endpoint_url=endpoint, config=Config(parameter_validation=False))
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


# Half an hour ago on the server's clock, with microseconds (botocore then sends all six digits on the query wire).
ordered_at = (server_now() - datetime.timedelta(minutes=30)).replace(microsecond=123456)
store_dims = [{"Name": "Store", "Value": "A&B <1>"}, {"Name": "Region", "Value": "eu"}]
cw.put_metric_data(
    Namespace=NS,
    MetricData=[
        {"MetricName": "Latency", "Values": [10.0, 20.0, 30.0], "Counts": [1, 1, 2], "Unit": "Milliseconds", "Dimensions": [{"Name": "Api", "Value": "orders"}]},
        {"MetricName": "Latency", "StatisticValues": {"SampleCount": 2, "Sum": 80, "Minimum": 40, "Maximum": 40}, "Unit": "Milliseconds", "Dimensions": [{"Name": "Api", "Value": "orders"}]},
        {"MetricName": "Orders", "Value": 7.25, "Timestamp": ordered_at, "Dimensions": store_dims},
        {"MetricName": "Orders", "Value": 0.5, "Timestamp": ordered_at, "Dimensions": store_dims},
    ],
)
request = sent[-1]
if mode == "cbor":
    assert request.url.endswith("/service/GraniteServiceVersion20100801/operation/PutMetricData"), request.url
    assert request.headers["Smithy-Protocol"] == b"rpc-v2-cbor", request.headers
    print("ok protocol rpc-v2-cbor")
elif mode == "query":
    assert request.headers["Content-Type"] == b"application/x-www-form-urlencoded; charset=utf-8", request.headers
    body = request.body.decode() if isinstance(request.body, bytes) else request.body
    form = dict(urllib.parse.parse_qsl(body))
    assert form["Action"] == "PutMetricData" and form["Version"] == "2010-08-01", form
    assert form["MetricData.member.3.Dimensions.member.1.Value"] == "A&B <1>", form
    assert form["MetricData.member.1.Values.member.3"] == "30.0", form
    assert form["MetricData.member.3.Timestamp"] == ordered_at.strftime("%Y-%m-%dT%H:%M:%S.123456Z"), form
    print("ok protocol query")
else:
    assert request.headers["X-Amz-Target"] == b"GraniteServiceVersion20100801.PutMetricData", request.headers
    assert request.headers["Content-Type"] == b"application/x-amz-json-1.0", request.headers
    print("ok protocol json")

now = server_now()
minute = ordered_at.replace(second=0, microsecond=0)
orders = cw.get_metric_statistics(
    Namespace=NS, MetricName="Orders", Dimensions=store_dims, Statistics=["Sum", "Average", "Maximum"], Period=60,
    StartTime=ordered_at - datetime.timedelta(minutes=5), EndTime=ordered_at + datetime.timedelta(minutes=5),
)["Datapoints"]
assert orders == [{"Timestamp": minute, "Sum": 7.75, "Average": 3.875, "Maximum": 7.25, "Unit": "None"}], (orders, minute)
window = dict(StartTime=now - datetime.timedelta(hours=1), EndTime=now + datetime.timedelta(minutes=1), Period=3600)
dims = [{"Name": "Api", "Value": "orders"}]
stats = cw.get_metric_statistics(Namespace=NS, MetricName="Latency", Dimensions=dims, Statistics=["Sum", "SampleCount", "Maximum"], **window)
points = stats["Datapoints"]
assert sum(p["Sum"] for p in points) == 170, points
assert sum(p["SampleCount"] for p in points) == 6, points
assert all(isinstance(p["Timestamp"], datetime.datetime) and p["Unit"] == "Milliseconds" for p in points), points
pct = cw.get_metric_statistics(Namespace=NS, MetricName="Latency", Dimensions=dims, ExtendedStatistics=["p50", "p100"], **window)["Datapoints"]
assert pct and pct[0]["ExtendedStatistics"] == {"p50": 30.0, "p100": 40.0}, pct
print("ok put_metric_data get_metric_statistics percentiles timestamps")

data = cw.get_metric_data(
    StartTime=window["StartTime"],
    EndTime=window["EndTime"],
    MetricDataQueries=[{"Id": "lat", "MetricStat": {"Metric": {"Namespace": NS, "MetricName": "Latency", "Dimensions": dims}, "Period": 3600, "Stat": "Average"}}],
)
[result] = data["MetricDataResults"]
assert result["Id"] == "lat" and result["Label"] == "Latency" and result["StatusCode"] == "Complete", result
assert sum(result["Values"]) > 0 and len(result["Timestamps"]) == len(result["Values"]), result
assert all(isinstance(t, datetime.datetime) and t.tzinfo is not None for t in result["Timestamps"]), result
metrics = cw.list_metrics(Namespace=NS, MetricName="Latency")["Metrics"]
assert metrics == [{"Namespace": NS, "MetricName": "Latency", "Dimensions": dims}], metrics
by_store = cw.list_metrics(Namespace=NS, Dimensions=[{"Name": "Store"}])["Metrics"]
assert by_store == [{"Namespace": NS, "MetricName": "Orders", "Dimensions": sorted(store_dims, key=lambda d: d["Name"])}], by_store
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
assert alarm["Dimensions"] == dims and alarm["AlarmActions"] == ["arn:aws:sns:eu-west-1:000000000000:py-alerts"] and alarm["OKActions"] == [], alarm
assert alarm["ActionsEnabled"] is True and alarm["Period"] == 60 and alarm["TreatMissingData"] == "breaching", alarm
created = alarm["AlarmConfigurationUpdatedTimestamp"]
assert abs(created - server_now()) < datetime.timedelta(hours=1) and alarm["StateUpdatedTimestamp"] >= created, alarm
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
# Timestamps in: the alarm's history starts at its creation, nothing of it lies before.
creation = cw.describe_alarm_history(AlarmName=ALARM, HistoryItemType="ConfigurationUpdate", ScanBy="TimestampAscending")["AlarmHistoryItems"][0]
assert creation["Timestamp"] == created and creation["HistorySummary"] == f"Alarm \"{ALARM}\" created", creation
since = cw.describe_alarm_history(AlarmName=ALARM, StartDate=created, EndDate=server_now() + datetime.timedelta(minutes=1), ScanBy="TimestampAscending")["AlarmHistoryItems"]
assert since[0] == creation and len(since) >= 3, since
assert cw.describe_alarm_history(AlarmName=ALARM, EndDate=created - datetime.timedelta(seconds=1))["AlarmHistoryItems"] == []
print("ok set_alarm_state disable_alarm_actions describe_alarm_history")

expect_error("InvalidParameterValue", cw.put_metric_data, Namespace="AWS/" + NS, MetricData=[{"MetricName": "x", "Value": 1}])
expect_error("InvalidParameterValue", cw.put_metric_data, Namespace=NS, MetricData=[{"MetricName": "x", "Value": float("nan")}])
expect_error("MissingParameter", unchecked.put_metric_data, MetricData=[{"MetricName": "x", "Value": 1}])
expect_error("MissingParameter", unchecked.get_metric_statistics, Namespace=NS, MetricName="Latency", Statistics=["Sum"], Period=60, EndTime=window["EndTime"])
expect_error("ValidationError", cw.describe_alarms, StateValue="BOGUS")
expect_error("InvalidParameterCombination", cw.get_metric_statistics, Namespace=NS, MetricName="Latency", Statistics=["Sum"], ExtendedStatistics=["p99"], **window)
expect_error("ValidationError", cw.put_metric_alarm, AlarmName="bad", Namespace=NS, MetricName="Latency", Statistic="Sum", Period=60, EvaluationPeriods=1, DatapointsToAlarm=3, Threshold=1.0, ComparisonOperator="GreaterThanThreshold")
expect_error("ValidationError", cw.put_metric_alarm, AlarmName="bad", Namespace=NS, MetricName="Latency", Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanThreshold", AlarmActions=["arn:aws:sns:us-east-1:000000000000:elsewhere"])
expect_error("ResourceNotFound", cw.set_alarm_state, AlarmName="nope", StateValue="OK", StateReason="x")
expect_error("InvalidFormat", cw.set_alarm_state, AlarmName=ALARM, StateValue="OK", StateReason="x", StateReasonData="not json")
expect_error("InvalidNextToken", cw.describe_alarm_history, NextToken="forged")
cw.delete_alarms(AlarmNames=[ALARM])
assert cw.describe_alarms()["MetricAlarms"] == []
print("ok bad_input delete_alarms")
