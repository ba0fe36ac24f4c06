"""The Bedrock customization catalog: every fact sourced, unverified facts marked, ranges usable."""

from __future__ import annotations

from fmkit.catalog import bedrock_customization as catalog
from fmkit.catalog.bedrock import get_model
from fmkit.catalog.store import load_catalog


def test_every_method_and_range_names_a_source_the_file_lists() -> None:
    sources = load_catalog(catalog.CATALOG_FILE)["sources"]
    for model in catalog.all_customizable().values():
        for method in model.methods.values():
            assert method.source and all(s in sources for s in method.source), (model.model_id, method.method)
            for hp in method.hyperparameters.values():
                assert hp.source in sources and hp.min <= hp.default <= hp.max, (model.model_id, hp.name)


def test_nova_micro_fine_tuning_in_us_east_1() -> None:
    method = catalog.method_of("amazon.nova-micro-v1:0", "fine-tuning")
    assert method is not None and method.regions == {"us-east-1"}
    assert method.customization_model_id == "amazon.nova-micro-v1:0:128k"
    assert method.data_format == "bedrock-conversation-2024"
    assert method.hyperparameters["epochCount"].allows(5) and not method.hyperparameters["epochCount"].allows(6)
    assert not method.hyperparameters["epochCount"].allows(2.5)  # an integer
    assert method.hyperparameters["learningRateWarmupSteps"].conflict  # two AWS pages disagree: kept visible


def test_unverified_facts_are_marked() -> None:
    titan = catalog.get_customizable("amazon.titan-text-express-v1")
    assert titan is not None and not titan.methods["fine-tuning"].verified
    nova2 = catalog.method_of("amazon.nova-2-lite-v1:0", "fine-tuning")
    assert nova2 is not None and not nova2.hyperparameters["learningRate"].api_name_verified
    assert catalog.method_of("meta.llama3-3-70b-instruct-v1:0", "fine-tuning").hyperparameters == {}  # type: ignore[union-attr]


def test_prices_only_where_an_aws_source_gives_them() -> None:
    priced = {m.model_id: m.pricing for m in catalog.all_customizable().values()
              if m.pricing.training_per_1k_tokens_usd is not None}
    assert list(priced) == ["amazon.nova-micro-v1:0"]
    assert priced["amazon.nova-micro-v1:0"].source == "blog_nova_micro_sql"
    assert all(m.pricing.provisioned_per_model_unit_hour_usd is None for m in catalog.all_customizable().values())


def test_end_of_life_agrees_with_the_bedrock_catalog() -> None:
    for model in catalog.all_customizable().values():
        known = get_model(model.model_id)
        if model.end_of_life and known is not None and known.end_of_life:
            assert model.end_of_life == known.end_of_life, model.model_id


def test_distillation_names_current_teachers() -> None:
    method = catalog.method_of("amazon.nova-micro-v1:0", "distillation")
    assert method is not None and method.teachers == ("amazon.nova-pro-v1:0",)
    assert catalog.method_of("amazon.nova-micro-v1:0", "continued-pretraining") is None
