import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import SERVER_CMD, server_env

from .fake_messages_api import FakeMessagesAPI

KEY = "sk-ant-e2e-0123456789-SECRET"
API = FakeMessagesAPI()  # one per test session; tests script it through API.script

AI_ENV = server_env(ANTHROPIC_API_KEY=KEY, ANTHROPIC_BASE_URL=API.base_url, BACKEND_ARCHITECT_AI="1")


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_CMD, server_env=AI_ENV))
async def ai_client(lsp_client: LanguageClient):
    API.reset()
    yield
    if lsp_client.capabilities is not None:  # a test skipped before initialize has nothing to shut down
        await lsp_client.shutdown_session()
