import { pythonNumber } from './python-number';

describe(pythonNumber.name, () => {
  it('should write small floats in Python’s scientific form, with a two-digit exponent', () => {
    expect(pythonNumber(1e-9, 'config')).toBe('1e-09');
    expect(pythonNumber(0.00001, 'float')).toBe('1e-05');
    expect(pythonNumber(1.5e-7, 'float')).toBe('1.5e-07');
    expect(pythonNumber(1e16, 'float')).toBe('1e+16');
    expect(pythonNumber(1.2345e21, 'float')).toBe('1.2345e+21');
  });

  it('should write the rest in fixed notation with the shortest digits', () => {
    expect(pythonNumber(118 / 1024 / 1024, 'float')).toBe('0.0001125335693359375');
    expect(pythonNumber(0.0001, 'float')).toBe('0.0001');
    expect(pythonNumber(0.001, 'config')).toBe('0.001');
    expect(pythonNumber(0.5, 'config')).toBe('0.5');
    expect(pythonNumber(1e15 + 0.5, 'float')).toBe('1000000000000000.5');
  });

  it('should write an integral float with .0 and an integral config value as an int', () => {
    expect(pythonNumber(100, 'float')).toBe('100.0');
    expect(pythonNumber(1e15, 'float')).toBe('1000000000000000.0');
    expect(pythonNumber(1, 'config')).toBe('1');
    expect(pythonNumber(32, 'config')).toBe('32');
  });
});
