"""The process environment an AWS test class runs in, restored exactly afterwards.

Every AWS SDK client the code under test builds for itself (boto3, aiobotocore, aioboto3)
reads its endpoint, region and credentials from here, so setting these variables is what
makes such clients reach the moto server with the test's account, and removing profile,
container, web-identity and service-endpoint settings is what keeps real credentials and
real endpoints out of reach.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Mapping

from asynctestkit import _multiprocessing_compat

#: Removed for the class: each would select a real profile, real credentials or a
#: different endpoint than the test server.
REMOVED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
    "AWS_S3_USE_ARN_REGION",
    "AWS_SIGV4A_SIGNING_REGION_SET",
    "AWS_ACCOUNT_ID",
    "MOTO_ACCOUNT_ID",
)
#: Service-specific endpoints (AWS_ENDPOINT_URL_S3, ...) win over AWS_ENDPOINT_URL.
REMOVED_PREFIXES = ("AWS_ENDPOINT_URL_",)


class AwsEnvironment:
    """Point every AWS SDK at ``endpoint_url`` with fake credentials; undo it exactly.

    Example::

        with AwsEnvironment("http://127.0.0.1:5000", "eu-west-1") as env:
            env.set_credentials("AKIA...", "secret")
    """

    def __init__(self, endpoint_url: str, region: str) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        self._saved: dict[str, str | None] | None = None
        self._empty_file: str | None = None

    def __enter__(self) -> AwsEnvironment:
        if self._saved is not None:
            raise RuntimeError("AwsEnvironment is already applied; leave it before re-entering.")
        fd, self._empty_file = tempfile.mkstemp(prefix="asynctestkit-aws-", suffix=".ini")
        os.close(fd)
        variables: dict[str, str | None] = {name: None for name in REMOVED}
        variables.update({name: None for name in os.environ if name.startswith(REMOVED_PREFIXES)})
        variables.update(
            AWS_ENDPOINT_URL=self.endpoint_url,
            AWS_DEFAULT_REGION=self.region,
            AWS_REGION=self.region,
            # An empty file, not a missing one: botocore then reads no profile at all.
            AWS_CONFIG_FILE=self._empty_file,
            AWS_SHARED_CREDENTIALS_FILE=self._empty_file,
            # No instance-metadata probing: it waits on a network timeout.
            AWS_EC2_METADATA_DISABLED="true",
            AWS_ACCESS_KEY_ID="asynctestkit-not-a-key",
            AWS_SECRET_ACCESS_KEY="asynctestkit-not-a-secret",
        )
        self._saved = {}
        self._apply(variables)
        return self

    def set_credentials(
        self, access_key_id: str, secret_access_key: str, session_token: str | None = None
    ) -> None:
        """Switch the environment credentials (and so the moto account) in place."""
        if self._saved is None:
            raise RuntimeError("AwsEnvironment is not applied: enter it first.")
        self._apply(
            {
                "AWS_ACCESS_KEY_ID": access_key_id,
                "AWS_SECRET_ACCESS_KEY": secret_access_key,
                "AWS_SESSION_TOKEN": session_token,
            }
        )

    def _apply(self, variables: Mapping[str, str | None]) -> None:
        assert self._saved is not None
        # A forkserver child would get the fork server's environment, not this one.
        _multiprocessing_compat.carry_environment(variables)
        for name, value in variables.items():
            # Only the first value seen is the one to restore.
            self._saved.setdefault(name, os.environ.get(name))
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def __exit__(self, *exc_info: object) -> None:
        self.restore()

    def restore(self) -> None:
        """Put back every variable as it was before ``__enter__``; remove the temp file."""
        saved, self._saved = self._saved, None
        if saved is not None:
            _restore(saved.items())
        empty_file, self._empty_file = self._empty_file, None
        if empty_file is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(empty_file)


def _restore(saved: Iterable[tuple[str, str | None]]) -> None:
    for name, value in saved:
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
