from botocore.exceptions import ParamValidationError

from asynctestkit import AsyncTestCase
from asynctestkit.fakes import fake_client


# The code under test takes its client as an argument.
async def total_size(s3, bucket):
    total = 0
    async for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        total += sum(item["Size"] for item in page.get("Contents", []))
    return total


async def read_text(s3, bucket, key, default=""):
    try:
        response = await s3.get_object(Bucket=bucket, Key=key)
    except s3.exceptions.NoSuchKey:
        return default
    return (await response["Body"].read()).decode()


class S3HelperTests(AsyncTestCase):
    async def test_total_size_spans_page_boundaries(self):
        s3 = fake_client("s3")
        s3.add_response(
            "list_objects_v2",
            {
                "Contents": [{"Key": "a", "Size": 3}],
                "IsTruncated": True,
                "NextContinuationToken": "t",
            },
        )
        s3.add_response(
            "list_objects_v2", {"Contents": [{"Key": "b", "Size": 4}], "IsTruncated": False}
        )

        self.assertEqual(await total_size(s3, "logs"), 7)
        s3.assert_no_pending_responses()

    async def test_missing_object_reads_as_the_default(self):
        s3 = fake_client("s3")
        s3.add_response("get_object", {"Body": "hello"}, {"Bucket": "b", "Key": "greeting"})
        s3.add_client_error("get_object", "NoSuchKey", "The specified key does not exist.", 404)

        self.assertEqual(await read_text(s3, "b", "greeting"), "hello")
        self.assertEqual(await read_text(s3, "b", "greeting", default="-"), "-")

    async def test_a_typo_fails_the_way_botocore_fails(self):
        s3 = fake_client("s3")
        with self.assertRaises(ParamValidationError) as caught:
            await s3.get_object(Bucket="b", key="greeting")
        self.assertIn('Unknown parameter in input: "key"', str(caught.exception))
        # Not an S3 operation: AttributeError, "Did you mean 'get_object' or ...?"
        self.assertFalse(hasattr(s3, "get_objects"))
