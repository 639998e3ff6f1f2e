exports.handlers = { greet: 'hello' };
