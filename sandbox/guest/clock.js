// The virtual clock of a run: Date and the timers. Time starts at the run's
// TRIGGERX_TIMESTAMP and moves only when the host fires the next timer, which
// it does only when the script has nothing else to do; local time is UTC.
(function triggerxClock(api) {
  "use strict";
  const config = api.config;

  // Virtual time: milliseconds since the epoch, moved only by timers.
  let now = config.time;
  const RealDate = api.RealDate;
  const utcIso = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$/;
  // TODO(sandbox): non-ISO strings without a zone ("Jan 1 2024 10:00") still
  // go through QuickJS's parser, which reads the host's time zone.
  const asUtc = (s) => (typeof s === "string" && utcIso.test(s) ? `${s}Z` : s);
  function VirtualDate(...args) {
    if (!new.target) return new RealDate(now).toString();
    let fields = args;
    if (args.length === 0) fields = [now];
    else if (args.length === 1) fields = [asUtc(args[0])];
    else fields = [RealDate.UTC(...args)];
    return Reflect.construct(RealDate, fields, new.target);
  }
  VirtualDate.prototype = RealDate.prototype;
  VirtualDate.now = () => now;
  VirtualDate.UTC = RealDate.UTC;
  VirtualDate.parse = (s) => RealDate.parse(asUtc(s));
  const proto = RealDate.prototype;
  Object.defineProperty(proto, "constructor", {
    value: VirtualDate,
    writable: true,
    configurable: true,
  });
  // Local time is UTC on every keeper.
  for (const f of ["FullYear", "Month", "Date", "Day", "Hours", "Minutes"]) {
    proto[`get${f}`] = proto[`getUTC${f}`];
    if (f !== "Day") proto[`set${f}`] = proto[`setUTC${f}`];
  }
  for (const f of ["Seconds", "Milliseconds"]) {
    proto[`get${f}`] = proto[`getUTC${f}`];
    proto[`set${f}`] = proto[`setUTC${f}`];
  }
  proto.getTimezoneOffset = () => 0;
  proto.toString = function dateString() {
    if (Number.isNaN(this.getTime())) return "Invalid Date";
    const u = this.toUTCString();
    const [day, date, month, year, time] = u.replace(",", "").split(" ");
    return `${day} ${month} ${date} ${year} ${time} GMT+0000 (Coordinated Universal Time)`;
  };
  proto.toDateString = function toDateString() {
    return this.toString().slice(0, 15);
  };
  proto.toTimeString = function toTimeString() {
    return this.toString().slice(16);
  };
  proto.toLocaleString = proto.toString;
  proto.toLocaleDateString = proto.toDateString;
  proto.toLocaleTimeString = proto.toTimeString;

  // Virtual timers, fired in (time, creation) order when nothing else runs.
  const timers = [];
  let timerSeq = 0;
  function addTimer(fn, ms, args, every) {
    if (typeof fn !== "function")
      throw new TypeError("callback is not a function");
    // As in Node: a delay under 1 ms or over 2^31 - 1 ms becomes 1 ms.
    const asked = Math.floor(Number(ms));
    const delay = asked >= 1 && asked <= 2147483647 ? asked : 1;
    const timer = {
      id: ++timerSeq,
      at: now + delay,
      fn,
      args,
      every: every ? delay : 0,
    };
    insertTimer(timer);
    return timer.id;
  }
  function insertTimer(timer) {
    let i = timers.length;
    while (i > 0 && timers[i - 1].at > timer.at) i--;
    timers.splice(i, 0, timer);
  }
  function clearTimer(id) {
    const i = timers.findIndex((t) => t.id === id);
    if (i >= 0) timers.splice(i, 1);
  }
  const setTimeout = (fn, ms, ...args) => addTimer(fn, ms, args, false);
  const setInterval = (fn, ms, ...args) => addTimer(fn, ms, args, true);

  function __fire() {
    const timer = timers.shift();
    if (!timer) return false;
    if (timer.at > now) now = timer.at;
    if (timer.every) {
      timer.at = now + timer.every;
      insertTimer(timer);
    }
    timer.fn(...timer.args);
    return true;
  }

  return {
    Date: VirtualDate,
    setTimeout,
    setInterval,
    clearTimeout: clearTimer,
    clearInterval: clearTimer,
    __hasTimers: () => timers.length > 0,
    __fire,
  };
});
