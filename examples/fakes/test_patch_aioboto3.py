from aiobotocore.session import get_session

from asynctestkit import AsyncTestCase
from asynctestkit.fakes import FakeSession, patch_aioboto3


# The code under test uses aiobotocore directly, for a service moto does not implement.
async def to_french(text):
    async with get_session().create_client("translate", region_name="eu-west-1") as translate:
        response = await translate.translate_text(
            Text=text, SourceLanguageCode="en", TargetLanguageCode="fr"
        )
        return response["TranslatedText"]


session = FakeSession(region_name="eu-west-1")


@patch_aioboto3(session)
class ToFrenchTests(AsyncTestCase):
    async def asyncTearDown(self):
        session.assert_no_pending_responses()

    async def test_translates(self):
        translate = session.fake_client("translate")
        translate.add_response(
            "translate_text",
            {"TranslatedText": "bonjour", "SourceLanguageCode": "en", "TargetLanguageCode": "fr"},
            {"Text": "hello", "SourceLanguageCode": "en", "TargetLanguageCode": "fr"},
        )
        self.assertEqual(await to_french("hello"), "bonjour")

    async def test_service_limit_error_reaches_the_caller(self):
        translate = session.fake_client("translate")
        translate.add_client_error("translate_text", "TextSizeLimitExceededException", "Too long")
        with self.assertRaises(translate.exceptions.TextSizeLimitExceededException):
            await to_french("hello " * 2000)
