"""The botocore data cache AWS classes install: shared while in force, undone exactly."""

import copy
import unittest

import botocore.hooks
import botocore.regions
import botocore.session
from aiobotocore import httpsession

from asynctestkit import _botocore_compat
from asynctestkit.aws import _botocore_cache


def originals():
    return (
        botocore.session.create_loader,
        botocore.session.Session._register_builtin_handlers,
        botocore.hooks.accepts_kwargs,
        botocore.hooks.EventAliaser.__copy__,
        botocore.regions.EndpointProvider,
        httpsession.AIOHTTPSession._create_connector,
        getattr(httpsession.AIOHTTPSession, "_build_ssl_contexts", None),
    )


async def ssl_context_of_a_new_http_session():
    """The SSL context a fresh aiobotocore HTTP session would verify the endpoint with."""
    session = httpsession.AIOHTTPSession()
    if _botocore_compat.aiobotocore_layout() == "3.x":
        return session._build_ssl_contexts(None)[0]
    connector = session._create_connector(None)
    try:
        return connector._ssl
    finally:
        await connector.close()


class BotocoreCacheTests(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.assertFalse(_botocore_cache.installed(), "another test left the cache installed")
        self.before = originals()

    def install(self):
        _botocore_cache.install()
        self.addCleanup(lambda: self.assertEqual(originals(), self.before))
        self.addCleanup(_botocore_cache.uninstall)

    async def test_new_sessions_share_loaded_data_and_ssl_contexts(self):
        self.install()
        first, second = botocore.session.Session(), botocore.session.Session()
        self.assertIs(
            first.get_component("data_loader")._cache, second.get_component("data_loader")._cache
        )
        self.assertIs(
            await ssl_context_of_a_new_http_session(), await ssl_context_of_a_new_http_session()
        )
        # The shared model is the same data a session loads on its own.
        shared = first.get_service_model("s3").operation_names
        _botocore_cache.uninstall()
        try:
            self.assertEqual(
                botocore.session.Session().get_service_model("s3").operation_names, shared
            )
        finally:
            _botocore_cache.install()

    def test_clients_share_their_sessions_resolved_event_names(self):
        self.install()
        session = botocore.session.Session()
        client = session.create_client(
            "s3", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
        )
        self.addCleanup(client.close)
        events = session.get_component("event_emitter")
        self.assertIs(client.meta.events._alias_name_cache, events._alias_name_cache)
        # And a shared name resolves as botocore would on its own.
        name = "before-call.apigateway.GetRestApi"
        self.assertEqual(
            client.meta.events._alias_event_name(name),
            botocore.hooks.EventAliaser(botocore.hooks.HierarchicalEmitter())._alias_event_name(
                name
            ),
        )

    def test_clients_of_a_service_share_one_endpoint_provider(self):
        self.install()

        def provider(session, service):
            client = session.create_client(
                service, region_name="eu-west-1", aws_access_key_id="a", aws_secret_access_key="b"
            )
            self.addCleanup(client.close)
            return client._ruleset_resolver._provider

        first, second = botocore.session.Session(), botocore.session.Session()
        shared = provider(first, "s3")
        self.assertIs(provider(second, "s3"), shared)
        self.assertIsNot(provider(first, "sqs"), shared)
        # It resolves as the provider botocore builds for a client on its own (with the
        # arguments of the installed version: botocore 1.43 passes excluded_params for S3).
        _botocore_cache.uninstall()
        try:
            own = provider(botocore.session.Session(), "s3")
        finally:
            _botocore_cache.install()
        self.assertIsNot(own, shared)
        for params in (
            {"Region": "eu-west-1", "Bucket": "b", "UseFIPS": False},
            {"Region": "eu-west-1", "Bucket": "b", "Key": "k", "ForcePathStyle": True},
        ):
            with self.subTest(params=params):
                self.assertEqual(shared.resolve_endpoint(**params), own.resolve_endpoint(**params))

    async def test_uninstalled_nothing_is_shared(self):
        first, second = botocore.session.Session(), botocore.session.Session()
        clients = [
            session.create_client("s3", region_name="us-east-1") for session in (first, second)
        ]
        for client in clients:
            self.addCleanup(client.close)
        self.assertIsNot(*(client._ruleset_resolver._provider for client in clients))
        self.assertIsNot(
            copy.copy(first.get_component("event_emitter"))._alias_name_cache,
            first.get_component("event_emitter")._alias_name_cache,
        )
        self.assertIsNot(
            first.get_component("data_loader")._cache, second.get_component("data_loader")._cache
        )
        self.assertIsNot(
            await ssl_context_of_a_new_http_session(), await ssl_context_of_a_new_http_session()
        )

    def test_nested_installs_undo_with_the_last(self):
        _botocore_cache.install()
        _botocore_cache.install()
        _botocore_cache.uninstall()
        self.assertTrue(_botocore_cache.installed())
        self.assertNotEqual(originals(), self.before)
        _botocore_cache.uninstall()
        self.assertEqual(originals(), self.before)
        with self.assertRaisesRegex(
            RuntimeError, r"^The shared botocore data cache: uninstall\(\) was called more often"
        ):
            _botocore_cache.uninstall()
