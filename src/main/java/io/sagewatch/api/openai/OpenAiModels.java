package io.sagewatch.api.openai;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.auth.Caller;
import io.sagewatch.config.SagewatchConfig;

/**
 * The model names the OpenAI front answers: each configured one maps to an endpoint, its protocol and its target (an
 * inference component, a variant, a model of a multi-model endpoint); a name that is not configured but is an
 * allowed endpoint is that endpoint, with the default protocol.
 */
@ApplicationScoped
public class OpenAiModels {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(OpenAiModels.class);

    /** Where a model's requests go. */
    record Target(
            String model,
            String endpoint,
            ContainerProtocol protocol,
            String inferenceComponent,
            String targetVariant,
            String targetModel) {}

    private final Map<String, Target> configured = new TreeMap<>();
    private final Set<String> allowed;
    private final ContainerProtocol defaultProtocol;
    private final boolean listEndpoints;

    OpenAiModels(SagewatchConfig config) {
        // the validator has checked the protocols and endpoints; a bad one here means it did not run
        config.openai()
                .models()
                .forEach((name, model) -> configured.put(
                        name,
                        new Target(
                                name,
                                model.endpoint(),
                                ContainerProtocol.of(model.protocol()),
                                model.inferenceComponent().orElse(null),
                                model.targetVariant().orElse(null),
                                model.targetModel().orElse(null))));
        this.allowed = new TreeSet<>(config.endpoints().allowed().orElse(Set.of()));
        configured.values().stream()
                .filter(target -> !allowed.contains(target.endpoint()))
                .forEach(target -> LOG.warnf(
                        "OpenAI model %s maps to endpoint %s, which is not on sagewatch.endpoints.allowed: it answers"
                                + " model_not_found",
                        target.model(), target.endpoint()));
        this.defaultProtocol = ContainerProtocol.of(config.openai().defaultProtocol());
        this.listEndpoints = config.openai().listEndpoints();
    }

    /** The target of {@code model} for this caller; a model the caller may not use does not exist for it. */
    Target resolve(String model, Caller caller) {
        Target target = configured.get(model);
        if (target == null && allowed.contains(model)) {
            target = new Target(model, model, defaultProtocol, null, null, null);
        }
        if (target == null || !allowed.contains(target.endpoint())) {
            throw OpenAiError.modelNotFound(model);
        }
        if (caller != null && !caller.mayUse(target.endpoint())) {
            throw new OpenAiError(
                    403,
                    OpenAiErrors.PERMISSION,
                    "model_not_permitted",
                    "model",
                    "API key " + caller.name() + " may not use model '" + model + "'");
        }
        return target;
    }

    /** The models this caller may use: the configured ones, then (with the setting) the allowed endpoints. */
    List<Target> visibleTo(Caller caller) {
        List<Target> models = new ArrayList<>();
        configured.values().stream()
                .filter(t -> allowed.contains(t.endpoint()))
                .filter(t -> caller == null || caller.mayUse(t.endpoint()))
                .forEach(models::add);
        if (listEndpoints) {
            allowed.stream()
                    .filter(endpoint -> !configured.containsKey(endpoint))
                    .filter(endpoint -> caller == null || caller.mayUse(endpoint))
                    .forEach(endpoint -> models.add(new Target(endpoint, endpoint, defaultProtocol, null, null, null)));
        }
        return models;
    }
}
