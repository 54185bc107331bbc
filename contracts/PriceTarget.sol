// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title PriceTarget
/// @notice A target for examples and tests: the calls that example job
/// scripts ask for, and one that always fails.
contract PriceTarget {
    uint256 public lastPrice;
    uint256 public swapCount;
    uint256 public pingCount;
    address public lastCaller;

    event Swapped(address indexed caller, uint256 price, uint256 count);
    event Pinged(address indexed caller, uint256 count);

    error Refused(uint256 code);

    /// @notice Selector 0x94b918de.
    function swap(uint256 price) external {
        lastPrice = price;
        lastCaller = msg.sender;
        swapCount += 1;
        emit Swapped(msg.sender, price, swapCount);
    }

    /// @notice Selector 0x5c36b186.
    function ping() external {
        lastCaller = msg.sender;
        pingCount += 1;
        emit Pinged(msg.sender, pingCount);
    }

    /// @notice Always reverts with `Refused(code)`.
    function refuse(uint256 code) external pure {
        revert Refused(code);
    }
}
