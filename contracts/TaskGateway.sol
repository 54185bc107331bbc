// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The part of the registry that the gateway reads.
interface IKeeperRegistry {
    function isKeeper(address account) external view returns (bool);
}

/// @title TaskGateway
/// @notice The one door through which keepers act on chain. A keeper submits
/// each run of a job (a task) here exactly once: with a call, the gateway
/// forwards it to the target and records whether it succeeded; without one
/// (`target == address(0)`), it only anchors the run's record. Either way the
/// `TaskSubmitted` event carries the record's output hash and content id, so
/// validators find every run from the chain alone.
///
/// A target's failure never reverts the submission: the task id is spent and
/// the failure is recorded, so a retried run cannot land twice and a keeper
/// cannot hide a failed call by withholding its submission.
contract TaskGateway {
    /// @notice What the gateway keeps about one submitted task.
    struct Submission {
        address performer;
        uint64 blockNumber;
        bool success;
        /// keccak256 of the target's return or revert data (the first
        /// MAX_RESULT_BYTES of it); zero when no call was made.
        bytes32 resultHash;
    }

    /// @notice The fields of an execution record that its performer signs
    /// (EIP-712). `inputHash` and `outputHash` are defined by the records
    /// format; the gateway only checks who signed them.
    struct ExecutionRecord {
        string executionId;
        uint256 jobId;
        uint256 taskId;
        bytes32 inputHash;
        bytes32 outputHash;
    }

    /// Return and revert data beyond this many bytes is neither copied nor
    /// hashed: a hostile target could otherwise make the copy cost more gas
    /// than the keeper budgeted for its call.
    uint256 public constant MAX_RESULT_BYTES = 256;

    bytes32 public constant RECORD_TYPEHASH = keccak256(
        "ExecutionRecord(string executionId,uint256 jobId,uint256 taskId,bytes32 inputHash,bytes32 outputHash)"
    );

    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    /// Upper half of the secp256k1 order; signatures with a larger `s` are
    /// malleable copies and are refused (EIP-2).
    uint256 private constant HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    IKeeperRegistry public immutable registry;

    mapping(uint256 taskId => Submission) private _submissions;

    uint256 private _lock = 1;

    event TaskSubmitted(
        uint256 indexed jobId,
        uint256 indexed taskId,
        address indexed performer,
        address target,
        bool success,
        bytes32 outputHash,
        string recordCid
    );

    /// @notice Emitted beside `TaskSubmitted` when the target's call failed.
    event TaskCallFailed(uint256 indexed taskId, bytes revertData);

    error NotKeeper(address caller);
    error TaskAlreadySubmitted(uint256 taskId);
    error Reentered();
    error ZeroGasLimit();
    error DataWithoutTarget();
    /// The call may have failed only because the keeper sent too little gas
    /// for `gasLimit` to reach the target (EIP-150 keeps back 1/64).
    error InsufficientGas(uint256 gasLimit);

    constructor(IKeeperRegistry registry_) {
        registry = registry_;
    }

    /// @notice Submits one task. With a target, calls it with `data` and at
    /// most `gasLimit` gas and records the outcome; with `target` zero,
    /// `data` must be empty and `gasLimit` is ignored.
    function submitTask(
        uint256 jobId,
        uint256 taskId,
        address target,
        bytes calldata data,
        uint256 gasLimit,
        bytes32 outputHash,
        string calldata recordCid
    ) external {
        if (_lock != 1) revert Reentered();
        _lock = 2;

        if (!registry.isKeeper(msg.sender)) revert NotKeeper(msg.sender);
        // No transaction runs in block 0, so a stored block marks a spent id.
        Submission storage submission = _submissions[taskId];
        if (submission.blockNumber != 0) revert TaskAlreadySubmitted(taskId);

        submission.performer = msg.sender;
        submission.blockNumber = uint64(block.number);
        (bool success, bytes32 resultHash) = _forward(taskId, target, data, gasLimit);
        submission.success = success;
        submission.resultHash = resultHash;

        emit TaskSubmitted(jobId, taskId, msg.sender, target, success, outputHash, recordCid);
        _lock = 1;
    }

    function taskSubmitted(uint256 taskId) external view returns (bool) {
        return _submissions[taskId].blockNumber != 0;
    }

    /// @notice What was recorded for `taskId`; `blockNumber` is zero when the
    /// task was never submitted.
    function submissionOf(uint256 taskId) external view returns (Submission memory) {
        return _submissions[taskId];
    }

    /// @notice The EIP-712 domain separator of record signatures: name
    /// "TriggerX Execution Record", version "1", this chain and this
    /// gateway. Other contracts that judge records (the challenge manager)
    /// ask the gateway, so one signature verifies everywhere on this chain.
    function recordDomainSeparator() public view returns (bytes32) {
        return keccak256(
            abi.encode(
                DOMAIN_TYPEHASH,
                keccak256("TriggerX Execution Record"),
                keccak256("1"),
                block.chainid,
                address(this)
            )
        );
    }

    /// @notice Who signed `record`; zero when the signature is malformed.
    function recoverRecordSigner(ExecutionRecord calldata record, bytes calldata signature)
        external
        view
        returns (address)
    {
        if (signature.length != 65) return address(0);

        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (v < 27) v += 27;
        if (uint256(s) > HALF_ORDER) return address(0);

        bytes32 structHash = keccak256(
            abi.encode(
                RECORD_TYPEHASH,
                keccak256(bytes(record.executionId)),
                record.jobId,
                record.taskId,
                record.inputHash,
                record.outputHash
            )
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", recordDomainSeparator(), structHash));
        return ecrecover(digest, v, r, s);
    }

    function _forward(uint256 taskId, address target, bytes calldata data, uint256 gasLimit)
        private
        returns (bool success, bytes32 resultHash)
    {
        if (target == address(0)) {
            if (data.length != 0) revert DataWithoutTarget();
            return (true, bytes32(0));
        }
        if (gasLimit == 0) revert ZeroGasLimit();

        // A call to an account without code "succeeds" without doing
        // anything; recording that as success would tell the job owner that
        // the script's transaction happened.
        if (target.code.length == 0) {
            emit TaskCallFailed(taskId, "");
            return (false, keccak256(""));
        }

        // The call is low level so the gateway decides how much result data
        // to copy; Solidity's `call` would copy all of it.
        bytes memory payload = data;
        uint256 size;
        bytes memory result = new bytes(MAX_RESULT_BYTES);
        assembly ("memory-safe") {
            success := call(gasLimit, target, 0, add(payload, 0x20), mload(payload), 0, 0)
            size := returndatasize()
            if gt(size, MAX_RESULT_BYTES) { size := MAX_RESULT_BYTES }
            returndatacopy(add(result, 0x20), 0, size)
            mstore(result, size)
        }

        if (!success && gasleft() <= gasLimit / 63) revert InsufficientGas(gasLimit);
        resultHash = keccak256(result);
        if (!success) emit TaskCallFailed(taskId, result);
    }
}
