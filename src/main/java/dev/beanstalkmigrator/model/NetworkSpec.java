package dev.beanstalkmigrator.model;

import java.util.List;

/** awsvpc network configuration of the migrate task. */
public record NetworkSpec(List<String> subnets, List<String> securityGroups, boolean assignPublicIp) {
    public NetworkSpec {
        subnets = List.copyOf(subnets);
        securityGroups = List.copyOf(securityGroups);
    }
}
