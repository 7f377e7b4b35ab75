import pytest
import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import SERVER_CMD, server_env


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_CMD, server_env=server_env()))
async def client(lsp_client: LanguageClient):
    yield
    if lsp_client.capabilities is not None:  # a test skipped before initialize has nothing to shut down
        await lsp_client.shutdown_session()
