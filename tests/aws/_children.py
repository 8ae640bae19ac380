"""Targets for child processes of tests/aws/test_child_processes.py: importable with
nothing but the standard library (and boto3, imported in the child only when used)."""

import os


def nothing():
    """Start the fork server (the first forkserver child starts it), then exit."""


def environment(names, queue):
    """Send back the child's value of each variable (None: unset)."""
    queue.put({name: os.environ.get(name) for name in names})


def create_bucket(name, queue):
    """What app code in a worker process does: a plain boto3 client from the environment."""
    import boto3

    boto3.client("s3").create_bucket(Bucket=name)
    queue.put(os.environ["AWS_ACCESS_KEY_ID"])
