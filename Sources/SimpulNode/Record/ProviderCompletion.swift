import Foundation
import SimpulCore

/// On a provider node, an acknowledgement or response names only the case: the rest comes from the referral the
/// node received through the feed (service, the provider's own code, the office's node). A case that was never
/// referred here is refused.
struct ProviderCompletion: Sendable {
    let store: NodeStore
    let provider: String

    func complete(_ object: inout [String: JSONValue]) throws(ValidationError) {
        guard case .string(let kindText)? = object["kind"], let kind = EventKind(rawValue: kindText),
              kind == .providerAcknowledged || kind == .providerResponded
        else { return }
        guard case .string(let caseID)? = object["case"], !caseID.isEmpty else {
            throw ValidationError(field: "case", value: nil, reason: "is required for \(kindText): the id of a case referred to \(provider)")
        }
        var office: String?
        if case .string(let given)? = object["case_node"] { office = given }
        let referrals: [ReceivedReferral]
        do { referrals = try store.receivedReferral(caseID: caseID, provider: provider, caseNode: office) } catch {
            throw ValidationError(field: "case", value: caseID, reason: "could not be looked up: \(error.message)")
        }
        guard let referral = referrals.first else {
            throw ValidationError(
                field: "case", value: caseID,
                reason: "was never referred to \(provider) (no request.referred for it arrived in this node's feed); 'simpul cases' lists the cases referred here, 'simpul sync now' fetches new ones")
        }
        guard referrals.count == 1 else {
            throw ValidationError(field: "case", value: caseID,
                                  reason: "was referred here by several offices (\(referrals.map(\.caseNode).joined(separator: ", "))); give case_node (--case-node) to say which")
        }
        if case .string(let service)? = object["service"], service != referral.service {
            throw ValidationError(field: "service", value: service, reason: "differs from the referral's service \(referral.service); leave it out")
        }
        if case .string(let given)? = object["provider"], given != provider {
            throw ValidationError(field: "provider", value: given, reason: "must be this provider node's own code \(provider); leave it out")
        }
        if kind == .providerResponded, object["outcome"] == nil || object["outcome"] == .null {
            throw ValidationError(field: "outcome", value: nil, reason: "is required for provider.responded (e.g. completed, accepted, or declined with a reason)")
        }
        object["service"] = .string(referral.service)
        object["provider"] = .string(provider)
        object["case_node"] = .string(referral.caseNode)
    }
}
