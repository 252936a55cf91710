"""KMS through boto3 against a Mailroom server (started by the Node test, kms-boto3.test.ts).

usage: kms_boto3.py ENDPOINT_URL
Prints one line per check and exits non-zero on the first failure (the Node test reads both).
"""
import sys

import boto3
from botocore.exceptions import ClientError

endpoint = sys.argv[1]
kms = boto3.client(
    "kms",
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
        assert got == code, f"expected {code}, got {got}: {err.response}"
        return err
    raise AssertionError(f"expected {code}, call succeeded")


key = kms.create_key(Description="py")["KeyMetadata"]
assert key["Arn"] == f"arn:aws:kms:ap-southeast-2:000000000000:key/{key['KeyId']}", key
assert key["KeyState"] == "Enabled" and key["KeyManager"] == "CUSTOMER", key
kms.create_alias(AliasName="alias/py", TargetKeyId=key["KeyId"])
assert kms.describe_key(KeyId="alias/py")["KeyMetadata"]["KeyId"] == key["KeyId"]
names = [a["AliasName"] for a in kms.list_aliases()["Aliases"]]
assert {"alias/aws/sqs", "alias/aws/sns", "alias/aws/events", "alias/py"} <= set(names), names
print("ok create_key create_alias describe_key list_aliases")

sealed = kms.encrypt(KeyId="alias/py", Plaintext=b"secret bytes", EncryptionContext={"k": "v"})
assert isinstance(sealed["CiphertextBlob"], bytes)
opened = kms.decrypt(CiphertextBlob=sealed["CiphertextBlob"], EncryptionContext={"k": "v"})
assert opened["Plaintext"] == b"secret bytes" and opened["KeyId"] == key["Arn"], opened
expect_error("InvalidCiphertextException", kms.decrypt, CiphertextBlob=sealed["CiphertextBlob"])
print("ok encrypt decrypt")

data_key = kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256")
assert len(data_key["Plaintext"]) == 32
assert kms.decrypt(CiphertextBlob=data_key["CiphertextBlob"])["Plaintext"] == data_key["Plaintext"]
without = kms.generate_data_key_without_plaintext(KeyId=key["KeyId"], NumberOfBytes=16)
assert "Plaintext" not in without and len(kms.decrypt(CiphertextBlob=without["CiphertextBlob"])["Plaintext"]) == 16
print("ok generate_data_key")

kms.enable_key_rotation(KeyId=key["KeyId"])
status = kms.get_key_rotation_status(KeyId=key["KeyId"])
assert status["KeyRotationEnabled"] and status["RotationPeriodInDays"] == 365, status
kms.rotate_key_on_demand(KeyId=key["KeyId"])
assert [r["RotationType"] for r in kms.list_key_rotations(KeyId=key["KeyId"])["Rotations"]] == ["ON_DEMAND"]
assert kms.decrypt(CiphertextBlob=sealed["CiphertextBlob"], EncryptionContext={"k": "v"})["Plaintext"] == b"secret bytes"
print("ok rotation old_ciphertext_decrypts")

kms.disable_key(KeyId=key["KeyId"])
expect_error("DisabledException", kms.decrypt, CiphertextBlob=sealed["CiphertextBlob"], EncryptionContext={"k": "v"})
kms.enable_key(KeyId=key["KeyId"])
assert kms.decrypt(CiphertextBlob=sealed["CiphertextBlob"], EncryptionContext={"k": "v"})["Plaintext"] == b"secret bytes"
print("ok disable enable")

deletion = kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
assert deletion["KeyState"] == "PendingDeletion" and deletion["PendingWindowInDays"] == 7, deletion
expect_error("KMSInvalidStateException", kms.encrypt, KeyId=key["KeyId"], Plaintext=b"x")
kms.cancel_key_deletion(KeyId=key["KeyId"])
assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Disabled"
print("ok schedule_key_deletion cancel_key_deletion")

# A queue sealed with a disabled key: boto3 reads SQS's query code from x-amzn-query-error.
sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="ap-southeast-2", aws_access_key_id="AKIDTEST", aws_secret_access_key="secret")
guarded = kms.create_key()["KeyMetadata"]["KeyId"]
url = sqs.create_queue(QueueName="py-guarded", Attributes={"KmsMasterKeyId": guarded})["QueueUrl"]
sqs.send_message(QueueUrl=url, MessageBody="kept")
kms.disable_key(KeyId=guarded)
expect_error("KMS.DisabledException", sqs.send_message, QueueUrl=url, MessageBody="refused")
expect_error("KMS.DisabledException", sqs.receive_message, QueueUrl=url)
kms.enable_key(KeyId=guarded)
assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "kept"
print("ok sqs_kms_disabled")

expect_error("NotFoundException", kms.describe_key, KeyId="alias/nope")
expect_error("AlreadyExistsException", kms.create_alias, AliasName="alias/py", TargetKeyId=key["KeyId"])
err = expect_error("ValidationException", kms.schedule_key_deletion, KeyId=key["KeyId"], PendingWindowInDays=31)
assert "pendingWindowInDays" in err.response["Error"]["Message"], err.response
expect_error("UnsupportedOperationException", kms.disable_key, KeyId="alias/aws/sqs")
print("ok bad_input")
