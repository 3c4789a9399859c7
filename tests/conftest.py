import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# Property tests: CI replays a fixed set of examples (derandomize) so a green commit stays green;
# local runs keep drawing new examples and find new edge cases (TOOLPROOF_FUZZ=1 forces that in CI).
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI") and not os.environ.get("TOOLPROOF_FUZZ"):
    settings.load_profile("ci")


# Tiny models with <tool_call> / </tool_call> as untrained single tokens (tests/tiny_model.py), built once
# per session for the token-row and checkpoint tests; tests only read them.
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def call_tags_untied(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from tiny_model import tiny_model_with_call_tokens

    return tiny_model_with_call_tokens(tmp_path_factory.mktemp("untied"), tied=False)


@pytest.fixture(scope="session")
def call_tags_tied(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from tiny_model import tiny_model_with_call_tokens

    return tiny_model_with_call_tokens(tmp_path_factory.mktemp("tied"), tied=True)
