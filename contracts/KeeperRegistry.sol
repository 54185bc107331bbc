// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title KeeperRegistry
/// @notice Who may act in the network. A keeper runs job scripts and submits
/// their runs through the gateway; a validator re-executes records when a run
/// is challenged. An account joins a role by staking at least `minStake`, or
/// the owner adds it without stake (development networks, allow-listed
/// operators). Stake leaves the contract only through `withdraw`, so no
/// registration step ever calls out to another contract.
contract KeeperRegistry {
    /// @notice The roles an account can hold; an account may hold both.
    enum Role {
        Keeper,
        Validator
    }

    /// @notice One account's standing in one role.
    struct Membership {
        bool active;
        uint256 stake;
    }

    address public owner;

    /// @notice The least stake, in wei, that `register` accepts.
    uint256 public immutable minStake;

    mapping(address account => mapping(Role role => Membership)) private _members;

    /// @notice Stake released by leaving or removal, waiting for `withdraw`.
    mapping(address account => uint256 amount) public withdrawable;

    event Registered(address indexed account, Role indexed role, uint256 stake, bool byOwner);
    event Deregistered(address indexed account, Role indexed role, uint256 released, bool byOwner);
    event Withdrawn(address indexed account, uint256 amount);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error NotOwner(address caller);
    error ZeroAddress();
    error AlreadyRegistered(address account, Role role);
    error NotRegistered(address account, Role role);
    error StakeTooLow(uint256 sent, uint256 minimum);
    error NothingToWithdraw(address account);
    error WithdrawFailed(address account, uint256 amount);

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    constructor(uint256 minStake_) {
        owner = msg.sender;
        minStake = minStake_;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    /// @notice Joins `role` with the value sent as stake.
    function register(Role role) external payable {
        if (msg.value < minStake) revert StakeTooLow(msg.value, minStake);
        _add(msg.sender, role, msg.value, false);
    }

    /// @notice Leaves `role`; its stake becomes withdrawable at once.
    /// @dev TODO(contracts): stake should stay locked for an unbonding period
    /// that outlasts every open challenge window, so a performer cannot leave
    /// before a challenge against it resolves and slashes it.
    function deregister(Role role) external {
        _remove(msg.sender, role, false);
    }

    /// @notice Adds `account` to `role` without stake.
    function addMember(address account, Role role) external onlyOwner {
        if (account == address(0)) revert ZeroAddress();
        _add(account, role, 0, true);
    }

    /// @notice Removes `account` from `role`; its stake becomes withdrawable.
    function removeMember(address account, Role role) external onlyOwner {
        _remove(account, role, true);
    }

    /// @notice Sends the caller all of its released stake.
    function withdraw() external {
        uint256 amount = withdrawable[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);

        withdrawable[msg.sender] = 0;
        (bool sent,) = msg.sender.call{value: amount}("");
        if (!sent) revert WithdrawFailed(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    function isKeeper(address account) external view returns (bool) {
        return _members[account][Role.Keeper].active;
    }

    function isValidator(address account) external view returns (bool) {
        return _members[account][Role.Validator].active;
    }

    function membership(address account, Role role) external view returns (Membership memory) {
        return _members[account][role];
    }

    function _add(address account, Role role, uint256 stake, bool byOwner) private {
        Membership storage member = _members[account][role];
        if (member.active) revert AlreadyRegistered(account, role);

        member.active = true;
        member.stake = stake;
        emit Registered(account, role, stake, byOwner);
    }

    function _remove(address account, Role role, bool byOwner) private {
        Membership storage member = _members[account][role];
        if (!member.active) revert NotRegistered(account, role);

        uint256 released = member.stake;
        delete _members[account][role];
        withdrawable[account] += released;
        emit Deregistered(account, role, released, byOwner);
    }
}
