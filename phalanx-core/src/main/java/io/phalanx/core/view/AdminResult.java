package io.phalanx.core.view;

import java.util.Objects;

/**
 * What an administrator's view change gave, as its reply carries it: the view it makes and the
 * first consensus instance that view governs, or why it was refused.
 *
 * @param firstConsensusId the first instance the new view governs; -1 if refused
 * @param installed        the view the change makes, or null if refused
 * @param refusal          why the change was refused, or null if it was made
 */
public record AdminResult(long firstConsensusId, View installed, String refusal) {
    /**
     * Checks that exactly one of view and reason is present.
     *
     * @param firstConsensusId the first instance the new view governs; -1 if refused
     * @param installed        the view the change makes, or null
     * @param refusal          why the change was refused, or null
     */
    public AdminResult {
        if ((installed == null) == (refusal == null)) {
            throw new IllegalArgumentException("an administration result holds either a view or a refusal");
        }
    }

    /**
     * A change that was made.
     *
     * @param firstConsensusId the first instance the new view governs
     * @param view             the new view
     * @return the result
     */
    public static AdminResult installed(long firstConsensusId, View view) {
        return new AdminResult(firstConsensusId, Objects.requireNonNull(view, "view"), null);
    }

    /**
     * A change that was refused.
     *
     * @param reason why
     * @return the result
     */
    public static AdminResult refused(String reason) {
        return new AdminResult(-1, null, Objects.requireNonNull(reason, "reason"));
    }
}
